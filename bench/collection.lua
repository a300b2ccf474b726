-- collection.lua: GET /api/user/collection (the default page) as signed-in players who own 200
-- creatures each, rotating over the session cookies in BENCH_COLLECTION_SESSIONS (one
-- "cookie<TAB>csrf" per line), so several players' cache entries are exercised.
local cookies, n, i = {}, 0, 0

init = function(args)
  for line in io.lines(os.getenv("BENCH_COLLECTION_SESSIONS")) do
    local c = line:match("^([^\t]+)")
    if c then n = n + 1; cookies[n] = c end
  end
  assert(n > 0, "no sessions in " .. tostring(os.getenv("BENCH_COLLECTION_SESSIONS")))
  i = math.random(n)
end

request = function()
  i = i % n + 1
  return wrk.format("GET", "/api/user/collection", { Cookie = cookies[i] })
end

dofile(os.getenv("BENCH_DIR") .. "/report.lua")

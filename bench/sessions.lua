-- sessions.lua: GET `path` (set by the including script) as signed-in players, rotating over the
-- session cookies in BENCH_COLLECTION_SESSIONS (one "cookie<TAB>csrf" per line, written by
-- bench/collecting_sessions.mjs), so several players' rows and cache entries are exercised.
-- Each thread starts at another player. Loads report.lua for the BENCH line.
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
  return wrk.format("GET", path, { Cookie = cookies[i] })
end

dofile(os.getenv("BENCH_DIR") .. "/report.lua")

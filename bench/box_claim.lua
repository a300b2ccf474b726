-- box_claim.lua: POST /api/daily-box/claim, each request as another fresh player (sessions in
-- BENCH_BOX_SESSIONS, one "cookie<TAB>csrf" per line). Thread t of T takes lines t, t+T, ...
-- so no two threads share a player; there are more players than claims, so every claim is a
-- player's first of the day (a 409 would show up as an error in the table).
local counter = 0
setup = function(thread)
  thread:set("tid", counter)
  counter = counter + 1
end

local cookies, tokens, n, k = {}, {}, 0, 0
local origin = os.getenv("BENCH_URL")

init = function(args)
  local threads = tonumber(os.getenv("BENCH_THREADS") or "2")
  local line_no = 0
  for line in io.lines(os.getenv("BENCH_BOX_SESSIONS")) do
    if line_no % threads == tid then
      local c, t = line:match("^([^\t]+)\t(.+)$")
      if c then n = n + 1; cookies[n] = c; tokens[n] = t end
    end
    line_no = line_no + 1
  end
  assert(n > 0, "no sessions for thread " .. tostring(tid))
end

request = function()
  k = k % n + 1
  return wrk.format("POST", "/api/daily-box/claim",
    { Cookie = cookies[k], ["X-CSRF-Token"] = tokens[k], Origin = origin }, "")
end

dofile(os.getenv("BENCH_DIR") .. "/report.lua")

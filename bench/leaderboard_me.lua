-- leaderboard_me.lua: the same read signed in (cookie from BENCH_COOKIE): the cached top 100
-- plus the caller's live rank (ZREVRANK + ZSCORE) on a board of BENCH_LB_PLAYERS members.
local cookie = os.getenv("BENCH_COOKIE")

request = function()
  return wrk.format("GET", "/api/leaderboard/achievements?period=week", { ["Cookie"] = cookie })
end

dofile(os.getenv("BENCH_DIR") .. "/report.lua")

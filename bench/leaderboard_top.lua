-- leaderboard_top.lua: GET /api/leaderboard/achievements?period=week anonymously: the cached
-- top 100 of the weekly points board.
request = function()
  return wrk.format("GET", "/api/leaderboard/achievements?period=week")
end

dofile(os.getenv("BENCH_DIR") .. "/report.lua")

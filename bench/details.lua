-- details.lua: GET /api/creature/<id>/details rotating over the creature ids in the file named by
-- BENCH_IDS (one per line, up to 100), so the bench covers many cache keys, not one hot key.
local ids, n, i = {}, 0, 0

init = function(args)
  for line in io.lines(os.getenv("BENCH_IDS")) do
    if #line > 0 then n = n + 1; ids[n] = line end
  end
  assert(n > 0, "no ids in " .. tostring(os.getenv("BENCH_IDS")))
  -- Each thread starts somewhere else in the list.
  i = math.random(n)
end

request = function()
  i = i % n + 1
  return wrk.format("GET", "/api/creature/" .. ids[i] .. "/details")
end

dofile(os.getenv("BENCH_DIR") .. "/report.lua")

-- list.lua: GET /api/creatures?limit=20 (the catalogue's first page, as the PWA loads it).
wrk.method = "GET"
wrk.path = "/api/creatures?limit=20"

dofile(os.getenv("BENCH_DIR") .. "/report.lua")

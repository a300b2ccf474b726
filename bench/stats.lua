-- stats.lua: GET /api/user/stats as the collection players (200 creatures each);
-- bench/sessions.lua rotates over their session cookies.
path = "/api/user/stats"
dofile(os.getenv("BENCH_DIR") .. "/sessions.lua")

-- idle.lua: GET /api/idle-game/state as the collection players (200 businesses each, state
-- created by a first GET in bench/collecting.sh); bench/sessions.lua rotates over their cookies.
path = "/api/idle-game/state"
dofile(os.getenv("BENCH_DIR") .. "/sessions.lua")

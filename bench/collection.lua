-- collection.lua: GET /api/user/collection (the default page) as players who own 200 creatures
-- each (bench/collecting.sh); bench/sessions.lua rotates over their session cookies.
path = "/api/user/collection"
dofile(os.getenv("BENCH_DIR") .. "/sessions.lua")

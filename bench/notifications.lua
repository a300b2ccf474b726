-- notifications.lua: GET /api/user/notifications (first page, 20 newest, with the unread count)
-- as the collection players, each with some read and unread notifications (bench/collecting.sh);
-- bench/sessions.lua rotates over their session cookies.
path = "/api/user/notifications"
dofile(os.getenv("BENCH_DIR") .. "/sessions.lua")

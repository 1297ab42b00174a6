-- POST the descriptions of a JSON Lines file to /v1/check in turn (one file line per request).
-- Used by bench/run.py: AIDUTY_BODIES=file.jsonl wrk -s bench/post.lua http://127.0.0.1:PORT
local bodies = {}
for line in io.lines(os.getenv("AIDUTY_BODIES")) do bodies[#bodies + 1] = line end
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  i = i % #bodies + 1
  return wrk.format(nil, "/v1/check?as_of=2026-11-22", nil, bodies[i])
end

-- report.lua: wrk's done() hook shared by the bench scripts. Prints one machine-readable line
-- that bench/table.sh turns into its table (wrk's own text output is harder to parse reliably).
done = function(summary, latency, requests)
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d rps=%.0f p50_us=%d p99_us=%d p999_us=%d non2xx=%d sockerr=%d\n",
    summary.requests, summary.requests / secs,
    math.floor(latency:percentile(50)), math.floor(latency:percentile(99)),
    math.floor(latency:percentile(99.9)),
    e.status, e.connect + e.read + e.write + e.timeout))
end

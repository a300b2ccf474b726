// collecting_sessions.mjs: signs existing players in through dev login (development mode only)
// and prints one "cookie<TAB>csrf" line per player, for the collecting bench's wrk scripts.
//   node bench/collecting_sessions.mjs URL PREFIX COUNT [CONCURRENCY]
// Players PREFIX0 .. PREFIX<COUNT-1> must exist (bench/collecting.sh creates them in bulk).
const [url, prefix, countArg, concArg] = process.argv.slice(2);
const count = Number(countArg);
const conc = Number(concArg || 32);
if (!url || !prefix || !(count > 0)) {
  console.error('usage: collecting_sessions.mjs URL PREFIX COUNT [CONCURRENCY]');
  process.exit(2);
}
const out = new Array(count);
let next = 0;
async function worker() {
  while (next < count) {
    const i = next++;
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(`${url}/api/dev/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: url },
        body: JSON.stringify({ username: `${prefix}${i}` }),
      });
      const body = await res.json().catch(() => null);
      if (res.status === 200 && body?.csrf_token) {
        const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).find((c) => c.startsWith('__Host-chatlings='));
        out[i] = `${cookie}\t${body.csrf_token}`;
        break;
      }
      if (attempt >= 5) throw new Error(`dev login ${prefix}${i}: ${res.status} ${JSON.stringify(body)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
await Promise.all(Array.from({ length: conc }, worker));
process.stdout.write(out.join('\n') + '\n');

'use strict';
// The busy_flood row's measurement, shared by the node and minisock_js peers: tcp_flood writes
// as fast as TCP lets it; right after connecting, the JavaScript thread is busy for `--busy`
// seconds (a page's long computation), then reads for half a second more. The value is how far
// the process's peak RSS rose above its RSS at connect (MiB; lower is better): what the client
// held in memory because its application did not read.
const fs = require('fs');

function statusKiB(field) {
  const m = fs.readFileSync('/proc/self/status', 'utf8').match(new RegExp(`^${field}:\\s*(\\d+)`, 'm'));
  return m ? Number(m[1]) : NaN;
}

/// Call at connect: resets the peak-RSS mark (clear_refs 5) and returns the measurement's end.
function startFlood(args) {
  fs.writeFileSync('/proc/self/clear_refs', '5');
  const rss0 = statusKiB('VmRSS');
  const busy = Number(args.busy ?? 6);
  const until = Date.now() + busy * 1000;
  while (Date.now() < until) { /* busy */ }
  return (received, done) => {
    setTimeout(() => {
      const peak = statusKiB('VmHWM');
      done((peak - rss0) / 1024, 'MiB', { busy_s: busy, received_mib: Math.round(received() / 1048576) });
    }, 500);
  };
}

module.exports = { startFlood };

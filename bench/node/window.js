'use strict';
// The measured window shared by the timed rows: `warmup` seconds of unmeasured work, then a window
// of `seconds`. The rows count completed work in a plain integer; the two timers snapshot it and
// read the clock when they fire, so the rate is exact even when a timer runs a little late and
// the hot path never reads the clock.
const { now } = require('./engine'); // Node or JavaScriptCore (minisock run)

/// Arms the window now. `count()` returns the work done so far; `onEnd(rate)` gets the units of
/// work per second inside the window.
function measureWindow(args, count, onEnd) {
  let c0 = 0;
  let t0 = 0;
  setTimeout(() => {
    c0 = count();
    t0 = now();
    setTimeout(() => {
      const c1 = count();
      const t1 = now();
      onEnd((c1 - c0) / ((t1 - t0) / 1000), c1 - c0, (t1 - t0) / 1000);
    }, args.seconds * 1000);
  }, args.warmup * 1000);
}

module.exports = { measureWindow };

// Timers: order (by time, then as set; 0 ms runs well before 50 ms, even on a busy
// machine), arguments, clearTimeout, setInterval until cleared, Promise jobs after each
// callback. (minisock run's ids are numbers, as on the platform; Node's are objects.)
const log = []
const a = setTimeout(() => log.push('a never'), 50)
setTimeout((x, y) => log.push(`b ${x} ${y}`), 50, 1, 2)
setTimeout(() => {
  log.push('c')
  Promise.resolve().then(() => log.push('c then'))
}, 50)
setTimeout(() => log.push('d'), 50)
clearTimeout(a)
clearTimeout(123456) // unknown: nothing
clearTimeout(undefined)
setTimeout(() => log.push('zero'), 0)
let n = 0
const every = setInterval(() => {
  log.push(`interval ${++n}`)
  if (n === 3) clearInterval(every)
}, 1)
setTimeout(() => {
  console.log(log.filter(e => !e.startsWith('interval')).join(', '))
  console.log(log.filter(e => e.startsWith('interval')).join(', '))
}, 120)

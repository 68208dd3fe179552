// An unhandled rejection ends the host with status 1 (as Node 15+); a handled one does not.
Promise.reject(new Error('handled')).catch(e => console.log('caught', e.message))
Taro.connectSocket({ url: 'ftp://127.0.0.1/' }).catch(e => console.log('rejected:', e.errMsg))
setTimeout(() => {
  console.log('now an unhandled one')
  Promise.reject(new Error('nobody handles this'))
  setTimeout(() => console.log('not reached'), 100)
}, 100) // after the Taro rejection above, even on a busy machine

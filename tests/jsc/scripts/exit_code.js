// minisock.exitCode: the status when the script ends normally.
minisock.exitCode = 3
console.log('exit code set; args:', minisock.args)

// Runs for a few seconds, then fails, to show restarts and back-off.
const life = 3000 + Math.floor(Math.random() * 3000);
console.log(`up; failing in ${life} ms`);
setTimeout(() => {
  console.error('something went wrong; exiting 1');
  process.exit(1);
}, life);

#!/usr/bin/env node
// `npm run bench [-- --quick | --full | --help]`: kelpie against s6, runit,
// supervisord and pm2 (each when installed: bench/setup.sh installs them). See
// docs/benchmarks.md for what is measured and how; the code is in bench/.
import { main } from '../bench/run.mjs';

process.exitCode = await main(process.argv.slice(2));

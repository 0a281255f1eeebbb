#!/usr/bin/env node
// The headless CLI: `parallax eval -c config.yaml -o out.json`.
import { launch } from './launch.js';

await launch('cli');

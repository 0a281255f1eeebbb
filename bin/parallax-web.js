#!/usr/bin/env node
// Browser mode: serves the app on 127.0.0.1 and prints the URL to open.
import { launch } from './launch.js';

await launch('web');

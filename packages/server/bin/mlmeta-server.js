#!/usr/bin/env node
// A committed entry so that npm links the `mlmeta-server` command at install time, before dist/ is built.
import '../dist/bin.js';

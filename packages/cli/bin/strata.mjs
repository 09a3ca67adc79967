#!/usr/bin/env node
// A committed entry, so that package managers can link the command before the first build.
import "../dist/bin.js"

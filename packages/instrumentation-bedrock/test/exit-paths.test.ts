import { describeExitPaths } from '@promptscope/testing/contract';
import { bedrockAdapter } from './adapter.js';
import { useEnv } from './helpers.js';

// Every way a call can end ends its span exactly once, with what happened.
describeExitPaths(bedrockAdapter, useEnv());

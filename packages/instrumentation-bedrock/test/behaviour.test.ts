import { describeSameBehaviour } from '@promptscope/testing/contract';
import { bedrockAdapter } from './adapter.js';
import { useEnv } from './helpers.js';

// The same scenario with and without instrumentation: everything the caller can see must be identical.
describeSameBehaviour(bedrockAdapter, useEnv());

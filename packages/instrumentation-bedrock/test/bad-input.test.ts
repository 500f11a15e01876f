import { describeBadInput } from '@promptscope/testing/contract';
import { bedrockAdapter } from './adapter.js';
import { useEnv } from './helpers.js';

describeBadInput(bedrockAdapter, useEnv());

import { describeBadInput } from '@promptscope/testing/contract';
import { openaiAdapter } from './adapter.js';
import { useEnv } from './helpers.js';

describeBadInput(openaiAdapter, useEnv());

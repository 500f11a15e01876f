import { describeBadInput } from '@promptscope/testing/contract';
import { geminiAdapter } from './adapter.js';
import { useEnv } from './helpers.js';

describeBadInput(geminiAdapter, useEnv());

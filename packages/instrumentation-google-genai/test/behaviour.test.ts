import { describeSameBehaviour } from '@promptscope/testing/contract';
import { geminiAdapter } from './adapter.js';
import { useEnv } from './helpers.js';

describeSameBehaviour(geminiAdapter, useEnv());

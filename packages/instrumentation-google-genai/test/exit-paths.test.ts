import { describeExitPaths } from '@promptscope/testing/contract';
import { geminiAdapter } from './adapter.js';
import { useEnv } from './helpers.js';

describeExitPaths(geminiAdapter, useEnv());

import { describeExitPaths } from '@promptscope/testing/contract';
import { mistralAdapter } from './adapter.js';
import { useEnv } from './helpers.js';

describeExitPaths(mistralAdapter, useEnv());

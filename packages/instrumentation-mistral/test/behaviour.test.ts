import { describeSameBehaviour } from '@promptscope/testing/contract';
import { mistralAdapter } from './adapter.js';
import { useEnv } from './helpers.js';

describeSameBehaviour(mistralAdapter, useEnv());

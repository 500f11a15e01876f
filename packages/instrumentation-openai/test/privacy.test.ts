import { describePrivacy } from '@promptscope/testing/contract';
import { openaiAdapter } from './adapter.js';
import { useEnv } from './helpers.js';

describePrivacy(openaiAdapter, useEnv());

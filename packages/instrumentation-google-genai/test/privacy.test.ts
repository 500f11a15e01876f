import { describePrivacy } from '@promptscope/testing/contract';
import { geminiAdapter } from './adapter.js';
import { useEnv } from './helpers.js';

describePrivacy(geminiAdapter, useEnv());

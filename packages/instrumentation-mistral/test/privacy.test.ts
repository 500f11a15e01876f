import { describePrivacy } from '@promptscope/testing/contract';
import { mistralAdapter } from './adapter.js';
import { useEnv } from './helpers.js';

describePrivacy(mistralAdapter, useEnv());

import { describePrivacy } from '@promptscope/testing/contract';
import { anthropicAdapter } from './adapter.js';
import { useEnv } from './helpers.js';

describePrivacy(anthropicAdapter, useEnv());

import { describePrivacy } from '@promptscope/testing/contract';
import { bedrockAdapter } from './adapter.js';
import { useEnv } from './helpers.js';

describePrivacy(bedrockAdapter, useEnv());

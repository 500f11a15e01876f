import {
  describeBadInput,
  describeExitPaths,
  describePrivacy,
  describeSameBehaviour,
} from '@promptscope/testing/contract';
import { anthropicBedrockAdapter } from './bedrock-adapter.js';
import { useEnv } from './helpers.js';

// `AnthropicBedrock` through the Messages mapping: every guarantee of the provider contract suite.
const env = useEnv();
describeSameBehaviour(anthropicBedrockAdapter, env);
describeExitPaths(anthropicBedrockAdapter, env);
describeBadInput(anthropicBedrockAdapter, env);
describePrivacy(anthropicBedrockAdapter, env);

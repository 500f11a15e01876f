import {
  describeBadInput,
  describeExitPaths,
  describePrivacy,
  describeSameBehaviour,
} from '@promptscope/testing/contract';
import { useEnv } from './helpers.js';
import { vertexAdapter } from './vertex-adapter.js';

// `AnthropicVertex` through the Messages mapping: every guarantee of the provider contract suite.
const env = useEnv();
describeSameBehaviour(vertexAdapter, env);
describeExitPaths(vertexAdapter, env);
describeBadInput(vertexAdapter, env);
describePrivacy(vertexAdapter, env);

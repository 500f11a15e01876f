import {
  describeBadInput,
  describeExitPaths,
  describePrivacy,
  describeSameBehaviour,
} from '@promptscope/testing/contract';
import { useEnv } from './helpers.js';
import { togetherAdapter } from './together-adapter.js';

// `together-ai` through the same mappings as `openai`: every guarantee of the provider contract suite.
const env = useEnv();
describeSameBehaviour(togetherAdapter, env);
describeExitPaths(togetherAdapter, env);
describeBadInput(togetherAdapter, env);
describePrivacy(togetherAdapter, env);

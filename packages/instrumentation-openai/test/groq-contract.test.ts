import {
  describeBadInput,
  describeExitPaths,
  describePrivacy,
  describeSameBehaviour,
} from '@promptscope/testing/contract';
import { groqAdapter } from './groq-adapter.js';
import { useEnv } from './helpers.js';

// `groq-sdk` through the same mappings as `openai`: every guarantee of the provider contract suite.
const env = useEnv();
describeSameBehaviour(groqAdapter, env);
describeExitPaths(groqAdapter, env);
describeBadInput(groqAdapter, env);
describePrivacy(groqAdapter, env);

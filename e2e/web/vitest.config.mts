import { projectVitestConfig } from '../../vitest.shared.mts';

export default projectVitestConfig(import.meta.dirname);

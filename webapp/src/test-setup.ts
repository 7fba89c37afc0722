import '@testing-library/jest-dom/vitest';
import { cleanup, configure } from '@testing-library/react';
import { afterEach } from 'vitest';

// findBy*/waitFor give up after 1 s by default: the first render of a page (lazy route, first
// fetch) takes longer than that on a loaded 2-core CI machine. A missing element still fails,
// just after 5 s instead of 1 s.
configure({ asyncUtilTimeout: 5000 });

afterEach(() => cleanup());

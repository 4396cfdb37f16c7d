/** Whether an answer that may come now or later (a store's, a hook's) is a promise rather than the value. */
export const isPromise = <T>(v: T | Promise<T>): v is Promise<T> => typeof (v as { then?: unknown } | null)?.then === 'function';

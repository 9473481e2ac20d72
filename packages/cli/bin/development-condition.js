// Module resolution hook (node:module register) for Weir's own repository: adds the `development`
// export condition, which maps each @weir/* package to its TypeScript sources instead of dist/, as
// vitest does. Registered by weir.js only in a source checkout; never part of the published package.
export async function resolve(specifier, context, nextResolve) {
  const conditions = context.conditions.includes('development') ? context.conditions : [...context.conditions, 'development'];
  return nextResolve(specifier, { ...context, conditions });
}

// asl-validator 4 ships no types: the shape of its default export, as its README documents it.
declare module 'asl-validator' {
  interface AslValidationError {
    readonly 'Error code': string;
    readonly Message: string;
  }
  interface AslValidationResult {
    readonly isValid: boolean;
    readonly errors: readonly AslValidationError[];
  }
  const validator: (definition: unknown, options?: { readonly checkPaths?: boolean; readonly checkArn?: boolean }) => AslValidationResult;
  export = validator;
}

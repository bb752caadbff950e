/** An address without its query and fragment: those can hold personal data. */
export const withoutQuery = (address: string | undefined) => address?.replace(/[?#][\s\S]*$/, '')

package dev.weft.e2e.arch;

/**
 * Blanks out comments and string/char literals of Java source while keeping line breaks,
 * so references found afterwards are real code and keep their line numbers.
 */
final class JavaSourceText {
    private JavaSourceText() {}

    static String codeOnly(String src) {
        StringBuilder out = new StringBuilder(src.length());
        int i = 0;
        int n = src.length();
        while (i < n) {
            char c = src.charAt(i);
            if (c == '/' && i + 1 < n && src.charAt(i + 1) == '/') {
                while (i < n && src.charAt(i) != '\n') {
                    out.append(' ');
                    i++;
                }
            } else if (c == '/' && i + 1 < n && src.charAt(i + 1) == '*') {
                int end = src.indexOf("*/", i + 2);
                end = end < 0 ? n : end + 2;
                blank(src, i, end, out);
                i = end;
            } else if (src.startsWith("\"\"\"", i)) {
                int end = textBlockEnd(src, i + 3);
                blank(src, i, end, out);
                i = end;
            } else if (c == '"' || c == '\'') {
                int end = literalEnd(src, i + 1, c);
                blank(src, i, end, out);
                i = end;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    private static int textBlockEnd(String src, int from) {
        int i = from;
        while (i < src.length()) {
            if (src.charAt(i) == '\\') {
                i += 2;
            } else if (src.startsWith("\"\"\"", i)) {
                return i + 3;
            } else {
                i++;
            }
        }
        return src.length();
    }

    private static int literalEnd(String src, int from, char quote) {
        int i = from;
        while (i < src.length()) {
            char c = src.charAt(i);
            if (c == '\\') {
                i += 2;
            } else if (c == quote || c == '\n') {
                return i + 1;
            } else {
                i++;
            }
        }
        return src.length();
    }

    private static void blank(String src, int from, int to, StringBuilder out) {
        for (int k = from; k < to; k++) {
            out.append(src.charAt(k) == '\n' ? '\n' : ' ');
        }
    }
}

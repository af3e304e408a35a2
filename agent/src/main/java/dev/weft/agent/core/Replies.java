package dev.weft.agent.core;

import java.util.function.BinaryOperator;

/** Combinators for {@link Reply}: one answer made of two (a dual-stack pod's two families). */
final class Replies {
    private Replies() {}

    /**
     * Answers {@code target} once both parts answered: ok with {@code combine(first, second)} when both are ok, else
     * the first failure (a later failure or success is dropped, so {@code target} is answered exactly once).
     */
    static final class Both<T> {
        private final Reply<T> target;
        private final BinaryOperator<T> combine;
        private T first;
        private T second;
        private int oks;
        private boolean done;

        Both(Reply<T> target, BinaryOperator<T> combine) {
            this.target = target;
            this.combine = combine;
        }

        Reply<T> first() {
            return part(true);
        }

        Reply<T> second() {
            return part(false);
        }

        private Reply<T> part(boolean isFirst) {
            return new Reply<>() {
                @Override
                public void ok(T value) {
                    if (isFirst) first = value;
                    else second = value;
                    if (++oks == 2 && !done) {
                        done = true;
                        target.ok(combine.apply(first, second));
                    }
                }

                @Override
                public void fail(Failure failure) {
                    if (done) return;
                    done = true;
                    target.fail(failure);
                }
            };
        }
    }
}

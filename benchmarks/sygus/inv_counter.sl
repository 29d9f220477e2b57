; invariant problem (SyGuS v1 synth-inv syntax): x counts up from 0 to 10
(set-logic LIA)
(synth-inv inv ((x Int)))
(declare-primed-var x Int)
(define-fun pre ((x Int)) Bool (= x 0))
(define-fun trans ((x Int) (x! Int)) Bool (and (< x 10) (= x! (+ x 1))))
(define-fun post ((x Int)) Bool (<= x 10))
(inv-constraint inv pre trans post)
(check-synth)

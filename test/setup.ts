// Silences tfjs' "install tfjs-node" banner in every test process; the engine does the same.
import { tf } from '../src/core/tf'

tf.env().set('PROD', true)

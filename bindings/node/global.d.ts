// require('minisock/global') / import 'minisock/global': minisock's wx and Taro as globals.
import { minisock } from './index'

export declare const wx: minisock.Wx
export declare const Taro: minisock.Taro

declare global {
  // The socket part of the mini-program globals, as minisock provides it.
  // eslint-disable-next-line no-var
  var wx: minisock.Wx
  // eslint-disable-next-line no-var
  var Taro: minisock.Taro
}

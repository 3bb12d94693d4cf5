// The notebook lives in notebook/: its state (a reducer), the view, and the cell and toolbar pieces.
export { NotebookView } from './notebook/NotebookView'

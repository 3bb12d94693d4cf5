// The file tree lives in files/: the view, its rows and forms, and the tree's pure logic.
export { FilesView } from './files/FilesView'
export { NewNotebookButton } from './files/NewNotebookButton'
